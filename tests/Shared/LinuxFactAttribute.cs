namespace CamSdk.Tests.Support;

/// <summary>A fact about Linux builds: skipped, with the reason, on other systems.</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "This test concerns Linux builds only (TorchSharp's native library and its GLIBCXX requirement).";
        }
    }
}
