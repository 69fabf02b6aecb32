#!/bin/sh
set -e
env > /tmp/boot-env.txt
exec gunicorn shop.wsgi
