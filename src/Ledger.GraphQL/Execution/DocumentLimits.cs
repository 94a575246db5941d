using System.Globalization;
using System.Text;
using GraphQLParser;
using GraphQLParser.Exceptions;

namespace Ledger.GraphQL.Execution;

/// <summary>
/// The cheap checks a document passes before it is parsed or validated: its size in bytes, then its number of
/// lexical tokens, counted by the lexer alone and only up to the limit. Validation costs grow faster than the
/// document (some rules compare every field of a selection with every other), so a document too big for these
/// limits is never handed to them.
/// </summary>
internal sealed class DocumentLimits(int maxBytes, int maxTokens)
{
    /// <summary>Why the document is refused, or null when it may be parsed.</summary>
    public string? Refusal(string? document)
    {
        if (string.IsNullOrEmpty(document))
        {
            return null;
        }
        if (document.Length > maxBytes || Encoding.UTF8.GetByteCount(document) > maxBytes)
        {
            return string.Create(CultureInfo.InvariantCulture, $"the document is larger than {maxBytes} bytes; send a smaller one");
        }
        return CountTokens(document) > maxTokens
            ? string.Create(CultureInfo.InvariantCulture, $"the document has more than {maxTokens} tokens; send a smaller one")
            : null;
    }

    /// <summary>Tokens up to one past the limit (comments are not tokens); a lexical error stops the count, and the parser reports it.</summary>
    private int CountTokens(string document)
    {
        var count = 0;
        var position = 0;
        try
        {
            while (count <= maxTokens)
            {
                var token = Lexer.Lex(document, position);
                if (token.Kind == TokenKind.EOF)
                {
                    break;
                }
                if (token.Kind != TokenKind.COMMENT)
                {
                    count++;
                }
                position = token.End;
            }
        }
        catch (GraphQLSyntaxErrorException)
        {
        }
        return count;
    }
}
