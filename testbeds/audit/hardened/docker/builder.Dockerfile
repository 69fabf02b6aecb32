FROM python:3.12-slim
RUN --mount=type=secret,id=npm curl -fsSL -H "Authorization: Bearer $(cat /run/secrets/npm)" https://pkgs.example/wheels.tgz -o /tmp/w.tgz
RUN --mount=type=secret,id=netrc,target=/root/.netrc pip download --dest /tmp/wheels shop-plugins
RUN curl -fsSL -H "Accept: application/gzip" https://downloads.example/agent.tgz -o /tmp/agent.tgz
RUN env | grep -c PATH > /tmp/path-count && printenv HOME > /opt/home
USER 10001
