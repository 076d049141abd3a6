using System.Collections.Concurrent;
using CamSdk.Models;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace CamSdk.Tests.Support;

/// <summary>
/// ResNet-18 weights saved as torch.save saves them, pickled once per seed and class count for the whole test run
/// (pickling one takes a second) and shared read-only by the tests. A test that changes a file copies it first.
/// </summary>
internal static class SavedResNets
{
    private static readonly TemporaryFolder Folder = CreateFolder();
    private static readonly ConcurrentDictionary<(int Seed, int Classes), Lazy<string>> Saved = new();

    /// <summary>The path of the state dict of <c>ResNet18(classes)</c> built right after <c>manual_seed(seed)</c>.</summary>
    public static string ResNet18(int seed, int classes) =>
        Saved.GetOrAdd((seed, classes), key => new Lazy<string>(() => Save(key.Seed, key.Classes))).Value;

    /// <summary>The model whose weights <see cref="ResNet18(int, int)"/> saved: built again from the same seed.</summary>
    public static ResNet Model(int seed, int classes)
    {
        manual_seed(seed);
        return CamSdk.Models.ResNet.ResNet18(numClasses: classes);
    }

    private static string Save(int seed, int classes)
    {
        using var model = Model(seed, classes);
        var path = Folder.PathOf($"resnet18-seed{seed}-classes{classes}.pth");
        PyTorchPickler.PickleStateDict(path, model.state_dict());
        return path;
    }

    private static TemporaryFolder CreateFolder()
    {
        var folder = new TemporaryFolder("camsdk-saved-resnets-");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => folder.Dispose();
        return folder;
    }
}
