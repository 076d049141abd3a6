namespace CamSdk.Tests.Support;

/// <summary>A fact about symbolic links: skipped, with the reason, where the temporary folder's file system cannot make them.</summary>
public sealed class SymbolicLinkFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Unavailable = new(Probe);

    public SymbolicLinkFactAttribute()
    {
        if (Unavailable.Value is { } reason)
        {
            Skip = reason;
        }
    }

    private static string? Probe()
    {
        var folder = Directory.CreateTempSubdirectory("camsdk-link-probe-");
        try
        {
            File.WriteAllText(Path.Combine(folder.FullName, "target"), "x");
            File.CreateSymbolicLink(Path.Combine(folder.FullName, "link"), "target");
            return File.ReadAllText(Path.Combine(folder.FullName, "link")) == "x" ? null : "Symbolic links here do not lead to their targets.";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            return $"The temporary folder's file system cannot make symbolic links ({e.Message}).";
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
