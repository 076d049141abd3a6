using System.Runtime.CompilerServices;
using CamSdk.Tests.Support;

namespace CamSdk.Tests;

/// <summary>
/// CamSdk never hands libtorch a TorchSharp Scalar that nothing holds: TorchSharp does not keep one alive through the
/// native call, so a garbage collection in between frees it while libtorch reads it (CI once failed so, in
/// <c>RgbImage.ToTensor</c>'s <c>/ 255</c>). See <c>CamSdk.Internal.Scalars</c>.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class NativeLifetimeTests
{
    /// <summary>
    /// The projects whose code runs in CamSdk's process: the packages, the command line, the samples and the tests that
    /// run libtorch (not the generator, which runs in the compiler).
    /// </summary>
    public static TheoryData<string> Projects() =>
        new([.. new[] { "src", "samples", "tests" }
            .SelectMany(area => Directory.EnumerateDirectories(Path.Combine(Root(), area)))
            .Where(d => File.Exists(Path.Combine(d, Path.GetFileName(d) + ".csproj")) && !Path.GetFileName(d).StartsWith("CamSdk.Generators", StringComparison.Ordinal))
            .Select(d => Path.GetRelativePath(Root(), d).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)]);

    private static string Root([CallerFilePath] string thisFile = "") => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", ".."));

    [Theory]
    [MemberData(nameof(Projects))]
    public void NoCodeHandsLibTorchAScalarNothingHolds(string project)
    {
        var (findings, errors) = ScalarLifetimeScan.ScanProject(Path.Combine(Root(), project), Root());
        Assert.True(errors.Count == 0, $"{project} does not compile on its own here, so the scan could miss code:\n" + string.Join("\n", errors.Take(10)));
        Assert.True(findings.Count == 0, $"{project} hands libtorch Scalars nothing holds:\n" + string.Join("\n", findings));
    }

    [Fact]
    public void TorchSharpsOwnTemporariesAreReadFromItsIL()
    {
        var hazards = ScalarLifetimeScan.TorchSharpHazards.Value;
        // Operators and methods that convert a number to a Scalar inside TorchSharp, directly or through another call.
        Assert.Contains("TorchSharp.torch.Tensor.op_Division(Tensor,Int32)", hazards);
        Assert.Contains("TorchSharp.torch.Tensor.op_Addition(Tensor,Tensor)", hazards);
        Assert.Contains("TorchSharp.torch.Tensor.add_(Tensor)", hazards);
        Assert.Contains("TorchSharp.TensorExtensionMethods.ToSingle(Tensor)", hazards);
        Assert.Contains("TorchSharp.Modules.Adam.step(Func`1)", hazards);
        // The forms CamSdk uses instead take the caller's Scalar and make none.
        Assert.DoesNotContain("TorchSharp.torch.Tensor.div(Scalar,RoundingMode)", hazards);
        Assert.DoesNotContain("TorchSharp.torch.Tensor.add(Tensor,Scalar)", hazards);
        Assert.DoesNotContain("TorchSharp.torch.Tensor.clamp(Scalar,Scalar)", hazards);
        Assert.DoesNotContain("TorchSharp.torch.Tensor.sub(Tensor)", hazards);
    }

    [Fact]
    public void TheScanFindsEachUnheldScalarAndPassesHeldOnes()
    {
        const string Code = """
            using CamSdk.Internal;
            using TorchSharp;
            using static TorchSharp.torch;

            internal static class Sample
            {
                private static readonly Scalar Half = 0.5.ToScalar();

                internal static float Unheld(Tensor x)
                {
                    var a = x / 255;                        // TorchSharp's operator converts 255
                    var b = x.clamp(0, 1);                  // two implicit conversions
                    var c = a + b;                          // add(b) passes an implicit alpha of 1
                    var s = 2.ToScalar();                   // made, then left to the finalizer
                    using var leaky = nn.LeakyReLU(0.1);    // its forward converts the slope
                    return c.div(s).ToSingle();             // ToSingle converts the tensor to a Scalar
                }

                internal static Tensor Held(Tensor x, double factor)
                {
                    using var f = factor.ToScalar();
                    _ = x / 3; // Unheld Scalars allowed: a reason given
                    _ = x / 4; // Unheld Scalars allowed:
                    using var norm = nn.BatchNorm2d(4);     // its unheld Scalar counts batches in training only
                    return x.mul(f).Plus(x).Plus(Scalars.Of(1)).div(Scalars.Of(255)).clamp(Scalars.Of(0), Half);
                }
            }
            """;
        var (findings, errors) = ScalarLifetimeScan.Scan("CamSdk.Tests", [("/sample/Sample.cs", Code)], "/sample");
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        // Lines 11 to 16 are Unheld's; Held makes none but on line 23, whose allowance gives no reason.
        var lines = findings.Select(f => f.Line).Order().ToArray();
        Assert.True(lines.SequenceEqual([11, 12, 12, 13, 14, 15, 16, 23]), "findings:\n" + string.Join("\n", findings));
        Assert.Contains("TorchSharp.Modules.LeakyReLU.forward", findings.Single(f => f.Line == 15).What, StringComparison.Ordinal);
    }

    /// <summary>
    /// The TorchSharp modules that CamSdk treats as handing libtorch unheld Scalars (so that work on another thread does
    /// not run beside a model built from them) are those whose forward does so in TorchSharp's IL: the list follows a
    /// TorchSharp update.
    /// </summary>
    [Fact]
    public void TheModulesKnownToPassUnheldScalarsAreThoseInTorchSharpsIL()
    {
        var fromIL = ScalarLifetimeScan.ModulesWithUnheldForward.Value.Order(StringComparer.Ordinal).ToArray();
        var known = CamSdk.Internal.HeldScalarModules.UnheldInForward.Concat(CamSdk.Internal.HeldScalarModules.UnheldInTraining).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(fromIL, known);
        Assert.Contains("TorchSharp.Modules.LeakyReLU", fromIL);
        Assert.DoesNotContain("TorchSharp.Modules.ReLU", fromIL);
        Assert.DoesNotContain("TorchSharp.Modules.Conv2d", fromIL);
    }
}
