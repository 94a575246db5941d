# The Ledger server image: built with the .NET SDK (and Node for the GraphiQL page), run on the ASP.NET Core
# runtime as a non-root user.
#   docker build -t ledger .          (docker-compose.yml builds it for you)
# Storage is configured at run time (see README, "Production: PostgreSQL").

# The GraphiQL page, which the server embeds (web/graphiql/dist).
FROM node:22-bookworm-slim AS web
WORKDIR /web/graphiql
COPY web/graphiql/package.json web/graphiql/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY web/graphiql/ ./
RUN npm run build --silent

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/ src/
COPY --from=web /web/graphiql/dist web/graphiql/dist
RUN dotnet publish src/Ledger.Server/Ledger.Server.csproj -c Release -o /app -nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
# The embedded default keeps its SQLite files here; with PostgreSQL nothing is written to disk.
ENV Ledger__Storage__Sqlite__Path=/var/lib/ledger/ledger.db \
    DOTNET_CLI_TELEMETRY_OPTOUT=1
RUN mkdir -p /var/lib/ledger && chown "$APP_UID" /var/lib/ledger
USER $APP_UID
EXPOSE 8080
ENTRYPOINT ["dotnet", "Ledger.Server.dll"]
# Listen on every interface of the container (the server's own default is loopback only). A CLI verb given to
# `docker-compose run ledger …` replaces this, e.g. `docker-compose run --rm ledger rebuild-projections`.
CMD ["--urls", "http://0.0.0.0:8080"]
