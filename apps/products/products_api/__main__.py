"""Entry point: `python -m products_api` (see meshapp_kit.entrypoint); the image runs it as PID 1."""

from meshapp_kit.entrypoint import entry_point

from products_api.main import IDENTITY, app
from products_api.settings import Settings

main = entry_point(app, Settings, IDENTITY)

if __name__ == "__main__":
    main()
