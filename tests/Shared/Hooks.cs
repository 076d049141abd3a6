using System.Collections;
using System.Reflection;
using TorchSharp;

namespace CamSdk.Tests.Support;

/// <summary>Counts the forward hooks registered on every module of a model (TorchSharp keeps them in protected dictionaries).</summary>
internal static class Hooks
{
    internal static int Count(torch.nn.Module model) =>
        model.named_modules().Select(m => m.module).Prepend(model).Sum(CountOn);

    private static int CountOn(torch.nn.Module module)
    {
        var total = 0;
        for (var type = module.GetType(); type is not null; type = type.BaseType)
        {
            foreach (var name in new[] { "pre_hooks", "post_hooks", "module_pre_hooks", "module_post_hooks" })
            {
                if (type.GetField(name, BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)?.GetValue(module) is IDictionary hooks)
                {
                    total += hooks.Count;
                }
            }
        }

        return total;
    }
}
