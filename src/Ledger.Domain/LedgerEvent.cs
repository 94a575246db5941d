using System.Reflection;

namespace Ledger.Domain;

/// <summary>A fact in the ledger. Every implementation is a sealed past-tense record with a stable wire name.</summary>
public interface ILedgerEvent;

/// <summary>The stable wire name of an event type; renaming the class never breaks a stored ledger.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class EventTypeAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>Maps wire names to event types and back, for every event of the domain.</summary>
public static class EventCatalog
{
    private static readonly Dictionary<string, Type> ByName = [];
    private static readonly Dictionary<Type, string> ByType = [];

    static EventCatalog()
    {
        foreach (var type in typeof(EventCatalog).Assembly.GetTypes())
        {
            var attribute = type.GetCustomAttribute<EventTypeAttribute>();
            if (attribute is null)
            {
                continue;
            }
            ByName.Add(attribute.Name, type);
            ByType.Add(type, attribute.Name);
        }
    }

    public static IEnumerable<KeyValuePair<string, Type>> All => ByName;

    public static string NameOf(ILedgerEvent e) => NameOf(e.GetType());

    public static string NameOf(Type type) =>
        ByType.TryGetValue(type, out var name) ? name : throw new ArgumentException($"{type.Name} has no [EventType] name", nameof(type));

    public static Type? TypeOf(string name) => ByName.GetValueOrDefault(name);
}
