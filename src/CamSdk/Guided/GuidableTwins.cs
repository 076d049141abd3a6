using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading;
using TorchSharp;

namespace CamSdk.Guided;

/// <summary>
/// The providers of guidable twins that <see cref="GuidedBackpropagation"/> asks: those registered here, and those that
/// loaded assemblies declare with <see cref="GuidableTwinProviderAttribute"/> (CamSdk.Models is loaded for it when the
/// application references it). The core knows no model zoo: this is the seam through which one plugs in.
/// </summary>
public static class GuidableTwins
{
    /// <summary>CamSdk's own package of twins, loaded (when the application has it) before the providers are first asked.</summary>
    private const string ModelsAssembly = "CamSdk.Models";

    private static readonly Lock Gate = new();
    private static readonly List<IGuidableTwinProvider> Registered = [];
    private static readonly List<IGuidableTwinProvider> Declared = [];
    private static readonly HashSet<Assembly> Scanned = [];

    /// <summary>Loads CamSdk.Models once; every caller waits until the load has finished, so none scans before it.</summary>
    private static readonly Lazy<bool> ModelsLoaded = new(LoadModels, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Adds a provider, asked before those that assemblies declare.</summary>
    /// <param name="provider">The provider.</param>
    public static void Register(IGuidableTwinProvider provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        lock (Gate)
        {
            Registered.Add(provider);
        }
    }

    /// <summary>The first twin a provider offers for <paramref name="model"/>, or null when none knows it.</summary>
    /// <exception cref="CamModelException">A provider that an assembly declares cannot be created.</exception>
    internal static torch.nn.Module<torch.Tensor, torch.Tensor>? For(torch.nn.Module<torch.Tensor, torch.Tensor> model)
    {
        _ = ModelsLoaded.Value;
        IGuidableTwinProvider[] providers;
        lock (Gate)
        {
            foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies().Where(a => !Scanned.Contains(a)))
            {
                Declared.AddRange(ProvidersDeclaredBy(assembly));
                Scanned.Add(assembly);
            }

            providers = [.. Registered, .. Declared];
        }

        foreach (var provider in providers)
        {
            if (provider.TwinOf(model) is { } twin)
            {
                return twin;
            }
        }

        return null;
    }

    private static bool LoadModels()
    {
        try
        {
            Assembly.Load(new AssemblyName(ModelsAssembly));
            return true;
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            return false; // not part of this application: only registered providers and other assemblies' are asked
        }
    }

    /// <summary>Creates every provider an assembly declares; none is kept unless all can be created.</summary>
    private static List<IGuidableTwinProvider> ProvidersDeclaredBy(Assembly assembly)
    {
        var providers = new List<IGuidableTwinProvider>();
        foreach (var declared in assembly.GetCustomAttributes<GuidableTwinProviderAttribute>())
        {
            try
            {
                if (Activator.CreateInstance(declared.ProviderType) is IGuidableTwinProvider provider)
                {
                    providers.Add(provider);
                }
            }
            catch (Exception e) when (e is MissingMethodException or TargetInvocationException or MemberAccessException or ArgumentException)
            {
                throw new CamModelException(
                    $"The guidable twin provider {declared.ProviderType.FullName} that {assembly.GetName().Name} declares cannot be created " +
                    $"({(e as TargetInvocationException)?.InnerException?.Message ?? e.Message}): give it a public parameterless constructor that does not throw.", e);
            }
        }

        return providers;
    }
}
