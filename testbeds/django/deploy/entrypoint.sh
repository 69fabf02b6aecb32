#!/bin/sh
# Start-up of the vulnerable testbed image: prepare the database, then the server.
set -e
echo "tollgate testbed: DEBUG=${DJANGO_DEBUG} DOCKER_HOST=${DOCKER_HOST}"
python manage.py migrate --noinput
python manage.py check --deploy || true
exec "$@"
