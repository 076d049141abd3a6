using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Internal;

/// <summary>
/// Copies of a model for checks that change weights (the sanity checks): the user's model is only read, never changed.
/// </summary>
internal static class ModelCopy
{
    /// <summary>
    /// A new model of the same architecture holding the original's parameters and buffers, on its device, in evaluation mode.
    /// </summary>
    /// <param name="model">The original.</param>
    /// <param name="create">Makes a new model of the same architecture; null uses the type's public parameterless constructor.</param>
    internal static nn.Module<Tensor, Tensor> Create(nn.Module<Tensor, Tensor> model, Func<nn.Module<Tensor, Tensor>>? create)
    {
        nn.Module<Tensor, Tensor> copy;
        if (create is not null)
        {
            copy = create() ?? throw new ArgumentException("The model factory returned null: it must return a new model of the same architecture.", nameof(create));
            if (ReferenceEquals(copy, model))
            {
                throw new ArgumentException("The model factory returned the model itself: it must return a new model, so that the checks never change yours.", nameof(create));
            }
        }
        else if (model.GetType().GetConstructor(Type.EmptyTypes) is { } constructor)
        {
            copy = (nn.Module<Tensor, Tensor>)constructor.Invoke(null);
        }
        else
        {
            throw new CamModelException(
                $"{model.GetType().Name} has no public parameterless constructor, so CamSdk cannot make the copy its checks randomise: give a factory that builds the same architecture (e.g. () => new {model.GetType().Name}(...)).");
        }

        try
        {
            if (model.parameters().FirstOrDefault() is { } first)
            {
                copy.to(first.dtype).to(first.device);
            }

            copy.eval();
            Load(model, copy);
            return copy;
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }

    /// <summary>Copies every parameter and buffer of <paramref name="source"/> into the same-named one of <paramref name="target"/>.</summary>
    internal static void Load(nn.Module source, nn.Module target)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var parameters = target.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        var buffers = target.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        foreach (var (kind, from, to) in new[] { ("parameter", source.named_parameters().Select(p => (p.name, (Tensor)p.parameter)), parameters), ("buffer", source.named_buffers(), buffers) })
        {
            var names = new HashSet<string>();
            foreach (var (name, tensor) in from)
            {
                names.Add(name);
                if (!to.TryGetValue(name, out var copy) || !copy.shape.SequenceEqual(tensor.shape))
                {
                    throw new CamModelException(
                        $"The copy has no {kind} '{name}' of shape [{string.Join(", ", tensor.shape)}]: the model factory must build the same architecture as the model checked.");
                }

                copy.copy_(tensor);
            }

            if (to.Keys.FirstOrDefault(n => !names.Contains(n)) is { } extra)
            {
                throw new CamModelException($"The copy has a {kind} '{extra}' the model lacks: the model factory must build the same architecture as the model checked.");
            }
        }
    }

    /// <summary>
    /// The modules that own parameters, from the output down: in reverse order of their first call in a forward pass of
    /// <paramref name="sample"/> (so a classifier registered first still counts as the top layer); modules the pass never
    /// calls (or that cannot be hooked) come last, in reverse order of registration.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="sample">An input to run.</param>
    /// <param name="blocks">Order the model's direct children that hold parameters instead of every module that owns some.</param>
    internal static IReadOnlyList<string> TopDownLayers(nn.Module<Tensor, Tensor> model, Tensor sample, bool blocks)
    {
        var owners = blocks
            ? model.named_children().Where(m => m.module.parameters().Any()).ToArray()
            : model.named_modules().Where(m => m.module.named_parameters(recurse: false).Any()).ToArray();
        var called = new List<string>();
        var hooks = new List<ScopedHook>();
        try
        {
            foreach (var (name, module) in owners.Where(m => m.module is nn.Module<Tensor, Tensor>))
            {
                hooks.Add(ScopedHook.Install((nn.Module<Tensor, Tensor>)module, (_, _, _) =>
                {
                    if (!called.Contains(name))
                    {
                        called.Add(name);
                    }

                    return null;
                }));
            }

            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            model.call(sample);
        }
        finally
        {
            hooks.ForEach(h => h.Dispose());
        }

        var uncalled = owners.Select(m => m.name).Where(n => !called.Contains(n)).Reverse();
        return [.. Enumerable.Reverse(called), .. uncalled];
    }

    /// <summary>The name of <paramref name="module"/> inside <paramref name="root"/> (as named_modules gives it).</summary>
    internal static string NameOf(nn.Module root, nn.Module module)
    {
        foreach (var (name, candidate) in root.named_modules())
        {
            if (ReferenceEquals(candidate, module))
            {
                return name;
            }
        }

        throw new CamLayerException($"The layer ({module.GetName()}) is not a module of the model: pass one of the model's own layers.");
    }

    /// <summary>The module named <paramref name="name"/> inside <paramref name="root"/>.</summary>
    internal static nn.Module Find(nn.Module root, string name) =>
        root.named_modules().FirstOrDefault(m => m.name == name).module
        ?? throw new CamLayerException($"The model has no module named '{name}': name its layers as named_modules() does (for example 'layer4.1.conv2').");

    /// <summary>
    /// Re-initialises a module's own parameters as PyTorch initialises a fresh layer, drawing from <paramref name="generator"/>:
    /// a weight of two or more dimensions (convolution, linear) from U(−1/√fan_in, 1/√fan_in), which is
    /// <c>kaiming_uniform_(a=√5)</c>; its bias from the same range; a one-dimensional weight (normalisation) to 1 and its
    /// bias to 0; a block's every layer alike. Buffers (running statistics) are left alone.
    /// </summary>
    internal static void Reinitialize(nn.Module module, Generator generator)
    {
        foreach (var layer in module.modules().Prepend(module))
        {
            ReinitializeOwn(layer, generator);
        }
    }

    private static void ReinitializeOwn(nn.Module module, Generator generator)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var own = module.named_parameters(recurse: false).ToArray();
        var weight = own.FirstOrDefault(p => p.name == "weight").parameter;
        var fanIn = weight is { } w && w.dim() >= 2 ? w.shape.Skip(1).Aggregate(1L, (a, b) => a * b) : 0;
        foreach (var (name, parameter) in own)
        {
            Tensor values;
            if (parameter.dim() >= 2)
            {
                var bound = 1.0 / Math.Sqrt(parameter.shape.Skip(1).Aggregate(1L, (a, b) => a * b));
                values = empty(parameter.shape, float64).uniform_(-bound, bound, generator);
            }
            else if (fanIn > 0)
            {
                var bound = 1.0 / Math.Sqrt(fanIn);
                values = empty(parameter.shape, float64).uniform_(-bound, bound, generator);
            }
            else
            {
                values = name == "weight" ? ones(parameter.shape, float64) : zeros(parameter.shape, float64);
            }

            parameter.copy_(values.to(parameter.dtype).to(parameter.device));
        }
    }
}
