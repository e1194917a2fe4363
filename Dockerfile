# floodgate as a container: the CLI with its dispatcher, mock providers and runner.
# Used by docker-compose.yml; every service runs `npx floodgate <command>` from this image.
FROM node:20-bookworm-slim

# better-sqlite3 (the dispatcher's outbox) builds from source when no prebuilt binary fits.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*

WORKDIR /app
ENV NODE_ENV=production

# Dependencies first, so a source change does not reinstall them. tsx (the runtime loader) is a
# dependency, not a devDependency: no build step is needed.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY . .
RUN chown -R node:node /app
USER node

# Services pass their own command, e.g. `npx floodgate dispatcher --config /config/dispatcher.yaml`.
CMD ["npx", "floodgate", "--help"]
