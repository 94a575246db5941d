namespace Ledger.Inspector.Tests;

/// <summary>The Inspector's tests share one server and one Chromium.</summary>
[CollectionDefinition(Name)]
public sealed class InspectorCollection : ICollectionFixture<InspectorFixture>
{
    public const string Name = "inspector";
}
