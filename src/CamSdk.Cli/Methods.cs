using System;
using System.Collections.Generic;
using System.Linq;
using CamSdk.Methods;
using TorchSharp;

namespace CamSdk.Cli;

/// <summary>What <c>--method</c> asked for: CAM methods computed in one pass, and the guided visualisations.</summary>
/// <param name="Cams">Each CAM method with its command-line name, in the order given.</param>
/// <param name="GuidedBackprop">Whether Guided Backpropagation pictures are written.</param>
/// <param name="GuidedGradCam">Whether Guided Grad-CAM pictures are written (Guided Backpropagation × the Grad-CAM heatmap).</param>
internal sealed record MethodRequest(IReadOnlyList<(string Name, CamMethod Method)> Cams, bool GuidedBackprop, bool GuidedGradCam)
{
    /// <summary>How the request is named in summaries: the command-line names, comma-separated.</summary>
    internal string Description { get; init; } = string.Empty;
}

/// <summary>The command line's method names: pytorch-grad-cam's for the CAM family (the runtime's own table), and ours.</summary>
internal static class MethodNames
{
    internal const string Cam = Methods.Cam.MethodKey;
    internal const string GuidedBackprop = Guided.GuidedBackpropagation.Key;
    internal const string GuidedGradCam = Guided.GuidedBackpropagation.GuidedGradCamKey;

    /// <summary>Every name <c>--method</c> accepts.</summary>
    internal static IReadOnlyList<string> All { get; } = [.. CamMethods.ByKey.Keys, Cam, GuidedBackprop, GuidedGradCam];

    /// <summary>Parses a comma-separated list of names.</summary>
    /// <param name="list">E.g. <c>gradcam,scorecam,guided-gradcam</c>.</param>
    /// <param name="classifier">The model's linear class head, for CAM.</param>
    /// <param name="batchSize">The batch size of Score-CAM and Ablation-CAM; null for their defaults.</param>
    internal static MethodRequest Parse(string list, Func<torch.nn.Module<torch.Tensor, torch.Tensor>> classifier, int? batchSize)
    {
        var names = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(n => n.ToLowerInvariant()).ToList();
        if (names.Count == 0)
        {
            throw new CamException($"--method names no method. Valid choices: {string.Join(", ", All)} (several as a comma-separated list).");
        }

        var unknown = names.FirstOrDefault(n => !All.Contains(n));
        if (unknown is not null)
        {
            throw new CamException($"Unknown method '{unknown}'. Valid choices: {string.Join(", ", All)} (several as a comma-separated list).");
        }

        var guidedGradCam = names.Contains(GuidedGradCam);
        // Guided Grad-CAM multiplies by the Grad-CAM heatmap: compute Grad-CAM in the same pass.
        var cams = names.Where(n => n is not (GuidedBackprop or GuidedGradCam)).ToList();
        if (guidedGradCam && !cams.Contains("gradcam"))
        {
            cams.Insert(0, "gradcam");
        }

        return new MethodRequest(
            [.. cams.Distinct().Select(n => (n, Create(n, classifier, batchSize)))],
            names.Contains(GuidedBackprop),
            guidedGradCam)
        {
            Description = string.Join(",", names.Distinct()),
        };
    }

    private static CamMethod Create(string name, Func<torch.nn.Module<torch.Tensor, torch.Tensor>> classifier, int? batchSize) => name switch
    {
        Cam => new Cam(classifier()),
        "scorecam" when batchSize is { } size => new ScoreCam { BatchSize = size },
        "ablationcam" when batchSize is { } size => new AblationCam { BatchSize = size },
        _ => CamMethods.ByKey[name],
    };

    /// <summary>
    /// The CAM-family methods of a --method list, for commands that measure Guided Backpropagation and Guided Grad-CAM
    /// anyway (evaluate, sanity, faithfulness).
    /// </summary>
    internal static IReadOnlyList<CamMethod> CamFamily(string list, Func<torch.nn.Module<torch.Tensor, torch.Tensor>> classifier)
    {
        var request = Parse(list, classifier, batchSize: null);
        return request.Cams.Count > 0
            ? [.. request.Cams.Select(c => c.Method)]
            : throw new CamException("--method names no CAM-family method; Guided Backpropagation and Guided Grad-CAM are included anyway.");
    }
}
