"""Entry point: `python -m prices_api` (see meshapp_kit.entrypoint); the image runs it as PID 1."""

from meshapp_kit.entrypoint import entry_point

from prices_api.main import IDENTITY, app
from prices_api.settings import Settings

main = entry_point(app, Settings, IDENTITY)

if __name__ == "__main__":
    main()
