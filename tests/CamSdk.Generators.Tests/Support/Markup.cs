using Microsoft.CodeAnalysis.Text;

namespace CamSdk.Generators.Tests.Support;

/// <summary>Source with the expected diagnostic span marked as <c>[|…|]</c>.</summary>
internal static class Markup
{
    internal static (string Source, TextSpan Span) Parse(string markup)
    {
        var start = markup.IndexOf("[|", StringComparison.Ordinal);
        var end = markup.IndexOf("|]", StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "the test source must mark the expected span with [| |]");
        var source = markup.Remove(end, 2).Remove(start, 2);
        return (source, TextSpan.FromBounds(start, end - 2));
    }
}
