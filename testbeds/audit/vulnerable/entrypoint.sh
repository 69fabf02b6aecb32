#!/bin/bash
set -eux
echo "starting with token ${DEPLOY_GITHUB_PAT}"
env
export API_TOKEN=tg_live_0123456789abcdef
curl -fsSL https://agent.example/install.sh | sh
curl -k -H "Authorization: Bearer ${API_TOKEN}" https://internal.example/register
chmod 666 /var/run/docker.sock
docker ps --format '{{.Names}}'
export DJANGO_DEBUG=True
python manage.py migrate
python manage.py runserver 0.0.0.0:8000
