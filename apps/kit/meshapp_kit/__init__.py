"""What every sample app of the mesh shares, so that each app holds only its routes and data.

identity     which app this is: package (logger names), service (log field), title (OpenAPI)
settings     AppSettings: APP_VERSION, LOG_LEVEL, HOST, PORT, GRACEFUL_SHUTDOWN_SECONDS, validated
logging_setup    one JSON object per log line, for the app and for uvicorn
access_log   ASGI middleware: one access line per request, x-app-version on every response
errors       one error shape for every non-2xx answer
routing      GET routes that answer HEAD too, and GET /health
factory      build_app: the FastAPI app with all of the above wired in
entrypoint   serve / entry_point: what an app's `python -m <package>` runs
bundled      JSON data files shipped inside an app's package
__main__     `python -m meshapp_kit`: the image's command, runs `python -m $APP_PACKAGE`
"""
