namespace CamSdk.Tests.Support;

/// <summary>A fact that needs Debian's Chromium (<c>apt-get install -y chromium</c>; <c>.ci/run</c> installs it), reported as skipped with the reason where it is missing.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    /// <summary>The browser: CHROMIUM_PATH, else Debian's /usr/bin/chromium.</summary>
    public static string ExecutablePath => Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public ChromiumFactAttribute()
    {
        if (!File.Exists(ExecutablePath))
        {
            Skip = $"Chromium is not installed at {ExecutablePath}: run 'apt-get install -y chromium' (or set CHROMIUM_PATH).";
        }
    }
}
