namespace CamSdk.IntegrationTests;

/// <summary>The program of the fresh project that consumes the packed CamSdk: an annotated model and a generated call.</summary>
internal static class PackageApp
{
    internal const string Source = """
        using CamSdk;
        using TorchSharp;
        using TorchSharp.Modules;
        using static TorchSharp.torch;

        torch.manual_seed(1);
        var model = new TinyNet();
        using var image = torch.randn(1, 3, 16, 16);
        using var result = model.Explain(image, Shape.Triangle);
        Console.WriteLine($"explained class {result.ClassIndices![0]} ({result.ClassLabels![0]}) at features: {result.RawMaps.shape[1]}x{result.RawMaps.shape[2]} map, max {result.Heatmaps.max().item<float>():F3}");

        public enum Shape { Circle, Square, Triangle }

        [ClassHead(typeof(Shape))]
        public partial class TinyNet : nn.Module<Tensor, Tensor>
        {
            [ExplainLayer(IsDefault = true)]
            private readonly Sequential features = nn.Sequential(nn.Conv2d(3, 4, 3, padding: 1), nn.ReLU(), nn.MaxPool2d(2));
            private readonly Linear fc = nn.Linear(4, 3);

            public TinyNet() : base(nameof(TinyNet)) => RegisterComponents();

            public override Tensor forward(Tensor input) => fc.call(features.call(input).mean([2L, 3L]));
        }
        """;
}
