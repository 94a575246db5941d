namespace Ledger.Projections.Search;

/// <summary>Classes of a delivery's last HTTP answer; <see cref="NoResponse"/> when its last attempt got none.</summary>
public static class StatusClasses
{
    public const string Status2xx = "2xx";
    public const string Status3xx = "3xx";
    public const string Status4xx = "4xx";
    public const string Status5xx = "5xx";
    public const string NoResponse = "none";

    public static readonly IReadOnlyList<string> All = [Status2xx, Status3xx, Status4xx, Status5xx, NoResponse];
}
