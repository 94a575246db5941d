namespace Ledger.Server.Inspector;

/// <summary><c>Ledger:Inspector</c>: who may embed the Inspector page in a frame.</summary>
public sealed class InspectorOptions
{
    public const string Section = "Ledger:Inspector";

    public const string FrameAncestorsRule =
        "Ledger:Inspector:FrameAncestors must be space-separated CSP sources such as 'self' or https://dashboard.example.com (no ';' or ',')";

    /// <summary>The CSP <c>frame-ancestors</c> sources, space-separated: <c>'self'</c>, <c>'none'</c> or origins.</summary>
    public string FrameAncestors { get; set; } = "'self'";

    /// <summary>False when the value is empty or could break out of the directive.</summary>
    public bool IsValid => !string.IsNullOrWhiteSpace(FrameAncestors) && FrameAncestors.IndexOfAny([';', ',', '\r', '\n']) < 0;
}
