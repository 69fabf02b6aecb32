#!/bin/sh
set -e
docker buildx build --push -t registry.example/shop:latest .
