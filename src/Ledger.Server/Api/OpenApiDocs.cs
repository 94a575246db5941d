using Ledger.Server.Api.Contract;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Ledger.Server.Api;

/// <summary><c>Ledger:OpenApi</c>: whether the API reference page is served outside Development.</summary>
public sealed class OpenApiOptions
{
    public const string Section = "Ledger:OpenApi";

    /// <summary>Serve the Scalar API reference at <c>/scalar</c> in Production too (always on in Development).</summary>
    public bool ApiReference { get; set; }
}

/// <summary>
/// The OpenAPI 3.1 document of the <c>/v1</c> routes at <c>/openapi/v1.json</c>, generated from the contract's
/// records, with both ways to send the API key as security schemes; and the API reference page (Scalar, its
/// assets served by the server itself, no CDN).
/// </summary>
public static class OpenApiDocs
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/openapi/v1.json";
    public const string ReferencePath = "/scalar";

    public static IServiceCollection AddLedgerOpenApi(this IServiceCollection services)
    {
        // The document describes what the API reads: numbers as numbers, names as written (ApiJsonContext).
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default);
            o.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
        });
        services.AddOptions<OpenApiOptions>().BindConfiguration(OpenApiOptions.Section).ValidateOnStart();
        services.AddOpenApi(DocumentName, options =>
        {
            options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
            options.ShouldInclude = description => description.RelativePath?.StartsWith("v1/", StringComparison.Ordinal) == true;
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Ledger REST API",
                    Version = "v1",
                    Description = "Webhook delivery with an event-sourced ledger. Every failure answers {\"error\":{\"code\",\"message\",\"field\"}}.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
                {
                    ["bearer"] = new OpenApiSecurityScheme { Type = SecuritySchemeType.Http, Scheme = "bearer", Description = "Authorization: Bearer <api key>" },
                    ["apiKey"] = new OpenApiSecurityScheme { Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = "X-API-Key", Description = "X-API-Key: <api key>" },
                };
                document.Security =
                [
                    new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] },
                    new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("apiKey", document)] = [] },
                ];
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                if (context.Description.ActionDescriptor.EndpointMetadata.OfType<Microsoft.AspNetCore.Authorization.IAllowAnonymous>().Any())
                {
                    operation.Security = [];
                }
                return Task.CompletedTask;
            });
        });
        return services;
    }

    public static WebApplication MapLedgerOpenApi(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json");
        var reference = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<OpenApiOptions>>().Value.ApiReference;
        if (app.Environment.IsDevelopment() || reference)
        {
            app.MapScalarApiReference(ReferencePath, options => options.WithTitle("Ledger REST API").WithOpenApiRoutePattern("/openapi/{documentName}.json"));
        }
        return app;
    }
}
