"""Products API: the product catalogue, with each product's price fetched from the Prices API."""
