# claw-chat-hub: `docker run -p 8765:8765 <image>` serves the hub with SQLite in the /data volume;
# set DATABASE_URL=postgresql://… to use PostgreSQL instead.
# scripts/dockerfile-check.ts runs this file's build and start steps outside Docker (in CI).

# Build: the full Node image has the compiler better-sqlite3 needs. The client package is a
# workspace of the hub's (the CLI's `listen` uses it), so it is installed and built here too.
FROM node:24-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts ./
COPY packages/client/package.json ./packages/client/
COPY prisma ./prisma
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY packages/client/tsconfig.build.json ./packages/client/
COPY packages/client/src ./packages/client/src
COPY src ./src
COPY examples ./examples
RUN npm run build
RUN npm prune --omit=dev --no-audit --no-fund

# Runtime: slim image, compiled code, production dependencies, migrations; no compiler, no npm cache.
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
ENV HOST=0.0.0.0
ENV PORT=8765
ENV DATABASE_URL=file:/data/hub.db
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/packages/client/package.json ./packages/client/package.json
COPY --from=build /app/packages/client/dist ./packages/client/dist
COPY --from=build /app/dist ./dist
COPY --from=build /app/prisma ./prisma
RUN mkdir -p /data && chown node:node /data
# The command line on the PATH, so that `docker exec <container> claw-chat-hub keys issue <agent>`
# works: run inside the container it reaches the hub from loopback, as its operator.
RUN mkdir -p /app/bin && ln -s ../dist/src/cli/index.js /app/bin/claw-chat-hub && chmod +x dist/src/cli/index.js
ENV PATH=/app/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
VOLUME /data
USER node
EXPOSE 8765
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8765)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/cli/index.js", "serve"]
