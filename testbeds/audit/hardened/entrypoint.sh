#!/bin/sh
set -eu
echo "starting shop api (log level ${LOG_LEVEL:-info})"
python manage.py migrate --noinput
exec gunicorn shop.wsgi --bind 0.0.0.0:8000 --workers 2
