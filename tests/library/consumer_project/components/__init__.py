"""The consumer's own `components` package: the name fargate-mesh once took for itself, so a
program with a package of this name could not import the library."""
