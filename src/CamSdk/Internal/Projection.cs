using TorchSharp;

namespace CamSdk.Internal;

/// <summary>
/// The first principal component of a batch of per-channel contributions, as pytorch-grad-cam's
/// <c>get_2d_projection</c> computes it (Eigen-CAM, EigenGrad-CAM and <c>eigen_smooth</c>), with the sign fixed.
/// </summary>
internal static class Projection
{
    /// <summary>
    /// For each image: the h·w × K matrix of the contributions (NaN set to 0), centred per channel, projected on its
    /// first right singular vector. A singular vector's sign is arbitrary (LAPACK's choice, in pytorch-grad-cam), so the
    /// projection is negated when its most negative value is larger in magnitude than its most positive one
    /// (the rule of pytorch-grad-cam's <c>get_2d_projection_with_sign_correction</c>, Seg-Eigen-CAM eq. 13).
    /// </summary>
    /// <param name="contributions">N×K×h×w.</param>
    /// <returns>N×h×w.</returns>
    internal static torch.Tensor FirstComponent(torch.Tensor contributions)
    {
        using var scope = torch.NewDisposeScope();
        var (n, k, h, w) = (contributions.shape[0], contributions.shape[1], contributions.shape[2], contributions.shape[3]);
        var clean = torch.where(contributions.isnan(), torch.zeros_like(contributions), contributions);
        var rows = clean.reshape(n, k, h * w).transpose(1, 2);
        var centred = rows - rows.mean([1L], keepdim: true);
        var (_, _, vh) = torch.linalg.svd(centred, fullMatrices: false);
        var first = vh[.., 0, ..].unsqueeze(-1);
        var projection = centred.matmul(first).squeeze(-1);
        var flip = projection.amin([1L], keepdim: true).abs() > projection.amax([1L], keepdim: true).abs();
        return torch.where(flip, -projection, projection).reshape(n, h, w).MoveToOuterDisposeScope();
    }
}
