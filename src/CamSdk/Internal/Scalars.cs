using System.Collections.Concurrent;
using TorchSharp;

namespace CamSdk.Internal;

/// <summary>
/// The TorchSharp <see cref="Scalar"/>s CamSdk passes to libtorch for constants written in its code: made once, held
/// for the life of the process.
/// </summary>
/// <remarks>
/// <para>
/// A <see cref="Scalar"/> owns a native <c>c10::Scalar</c> that its finalizer frees. TorchSharp 0.107 reads a Scalar's
/// handle and then calls libtorch without keeping the Scalar alive, so a Scalar that nothing holds can be finalized, on
/// the finalizer thread, while libtorch is reading it. Every Scalar made by an implicit conversion is such a Scalar:
/// <c>x / 255</c>, <c>x.clamp(0, 1)</c>, <c>x + 1e-7</c>, and even <c>a + b</c> between two tensors, which TorchSharp
/// implements as <c>a.add(b, 1)</c> with an implicit alpha. Under garbage-collection pressure (a busy server, a parallel
/// test run) the freed Scalar reads as garbage: libtorch throws "Expected false to be true" from
/// <c>c10::Scalar::toLong</c>, or computes with whatever the freed memory holds (dotnet/TorchSharp#1434 and #1496 are
/// the open fixes; a loop of <c>x / 255</c> under forced collections failed 25 times in 1.5 million operations).
/// </para>
/// <para>
/// So CamSdk passes libtorch only Scalars that something holds: these, for constants, or a <c>using</c> local for a
/// value known only at run time (<c>using var factor = value.ToScalar();</c>). The test
/// <c>NativeLifetimeTests</c> reads the IL of TorchSharp to find every member that makes a Scalar it does not hold and
/// fails on any use of one, or of an implicit conversion to Scalar, in CamSdk's code.
/// </para>
/// <para>
/// A cached Scalar is read-only native memory: libtorch takes it by constant reference, so many threads may pass the
/// same one at once.
/// </para>
/// </remarks>
internal static class Scalars
{
    private static readonly ConcurrentDictionary<long, Scalar> Integers = new();
    private static readonly ConcurrentDictionary<double, Scalar> Reals = new();

    /// <summary>
    /// The integer Scalar <paramref name="value"/>, as the implicit conversion from <see cref="int"/> or
    /// <see cref="long"/> makes it. Only for constants: every distinct value is kept until the process ends.
    /// </summary>
    internal static Scalar Of(long value) => Integers.GetOrAdd(value, static v => v.ToScalar());

    /// <summary>
    /// The floating-point Scalar <paramref name="value"/>, as the implicit conversion from <see cref="double"/> makes it.
    /// Only for constants: every distinct value is kept until the process ends.
    /// </summary>
    internal static Scalar Of(double value) => Reals.GetOrAdd(value, static v => v.ToScalar());

    /// <summary>
    /// <c>tensor + value</c>, with the alpha of 1 held too: TorchSharp's <c>add(value)</c> passes an implicit one.
    /// </summary>
    internal static torch.Tensor Plus(this torch.Tensor tensor, Scalar value) => tensor.add(value, Of(1));

    /// <summary>
    /// <c>tensor + other</c>, with the alpha of 1 held: TorchSharp's <c>+</c> and <c>add(other)</c> pass an implicit one.
    /// </summary>
    internal static torch.Tensor Plus(this torch.Tensor tensor, torch.Tensor other) => tensor.add(other, Of(1));
}
