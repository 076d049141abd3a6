namespace CamSdk.Generators.Tests.Support;

/// <summary>User code for the tests.</summary>
internal static class Sources
{
    internal const string Usings = """
        using CamSdk;
        using TorchSharp;
        using TorchSharp.Modules;
        using static TorchSharp.torch;

        """;

    /// <summary>A complete, valid model with a labels enum and two layers.</summary>
    internal const string ShapeNet = Usings + """
        namespace Shapes;

        public enum Shape { Circle, Square, Triangle }

        [ClassHead(typeof(Shape))]
        public partial class ShapeNet : nn.Module<Tensor, Tensor>
        {
            [ExplainLayer(IsDefault = true)]
            private readonly Sequential features = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU());

            [ExplainLayer]
            private readonly Conv2d conv2 = nn.Conv2d(8, 8, 3);

            private readonly Linear fc = nn.Linear(8, 3);

            public ShapeNet() : base(nameof(ShapeNet)) => RegisterComponents();

            public override Tensor forward(Tensor x) => fc.call(conv2.call(features.call(x)).mean([2L, 3L]));
        }
        """;
}
