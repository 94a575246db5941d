# The Ledger server image: built with the .NET SDK (and Node for the GraphiQL and Inspector pages), run on the ASP.NET Core
# runtime as a non-root user.
#   docker build -t ledger .          (docker-compose.yml builds it for you)
# Storage is configured at run time (see README, "Production: PostgreSQL").

# The GraphiQL and Inspector pages, which the server embeds (web/graphiql/dist, web/inspector/dist).
FROM node:22-bookworm-slim AS web
WORKDIR /web/graphiql
COPY web/graphiql/package.json web/graphiql/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY web/graphiql/ ./
RUN npm run build --silent
WORKDIR /web/inspector
COPY web/inspector/package.json web/inspector/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY web/inspector/ ./
RUN npm run build --silent

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
# Restore in a layer of its own: it is rebuilt only when a project file or a package version changes.
COPY src/Directory.Build.props src/
COPY src/Ledger.Domain/Ledger.Domain.csproj src/Ledger.Domain/
COPY src/Ledger.EventStore/Ledger.EventStore.csproj src/Ledger.EventStore/
COPY src/Ledger.Projections/Ledger.Projections.csproj src/Ledger.Projections/
COPY src/Ledger.Application/Ledger.Application.csproj src/Ledger.Application/
COPY src/Ledger.Keys/Ledger.Keys.csproj src/Ledger.Keys/
COPY src/Ledger.Dispatcher/Ledger.Dispatcher.csproj src/Ledger.Dispatcher/
COPY src/Ledger.GraphQL/Ledger.GraphQL.csproj src/Ledger.GraphQL/
COPY src/Ledger.Server/Ledger.Server.csproj src/Ledger.Server/
RUN dotnet restore src/Ledger.Server/Ledger.Server.csproj
COPY src/ src/
COPY --from=web /web/graphiql/dist web/graphiql/dist
COPY --from=web /web/inspector/dist web/inspector/dist
RUN dotnet publish src/Ledger.Server/Ledger.Server.csproj -c Release -o /app -nologo --no-restore

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
