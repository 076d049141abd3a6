namespace CamSdk.Evaluation;

/// <summary>
/// Where an evaluation decodes each batch's images: on a second thread while the batch before is explained, so that the
/// explaining thread does not wait for images, or on the explaining thread itself.
/// </summary>
/// <remarks>
/// <para>
/// Only decoding (reading and decoding files, or making images in memory) runs ahead; making the batch's tensor from the
/// decoded images stays on the explaining thread. That takes well under a millisecond, and libtorch on a second thread
/// would cost more: its OpenMP runtime gives every thread that runs a parallel operator a team of its own threads, so two
/// such threads oversubscribe the cores (a version that made the tensors ahead evaluated about 15% slower here).
/// </para>
/// <para>
/// A second thread allocates managed memory, so garbage collections can start while the explaining thread is inside
/// libtorch. That is safe when the model hands libtorch only Scalars that something holds: TorchSharp frees a Scalar
/// in its finalizer and does not keep one alive through the native call, so a collection in the middle can free a
/// temporary one in use (<c>x + identity</c> in a residual block makes one for its alpha of 1). CamSdk's own code, its
/// models (the zoo, ShapesNet, ONNX imports) and the TorchSharp modules they are built from hold theirs, checked by a
/// test that reads TorchSharp's IL; a model of your own may not.
/// </para>
/// </remarks>
public enum BatchPreparation
{
    /// <summary>
    /// <see cref="Ahead"/> when every module of the model is known to hold its Scalars (CamSdk's models, and TorchSharp's
    /// modules but for the few whose <c>forward</c> does not, such as LeakyReLU, ELU and Hardtanh); <see cref="Inline"/>
    /// for any other model.
    /// </summary>
    Automatic,

    /// <summary>
    /// On a second thread, one batch ahead: the next batch's images are decoded while this one is explained. Choose it
    /// for a model of your own only when its <c>forward</c> passes libtorch no temporary Scalar (no implicit conversion
    /// of a number, no <c>+</c> between tensors; see the README's note on TorchSharp's Scalars).
    /// </summary>
    Ahead,

    /// <summary>On the explaining thread, before each batch: no second thread.</summary>
    Inline,
}
