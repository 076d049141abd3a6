using CamSdk.Generators.Tests.Support;
using static CamSdk.Generators.Tests.Support.Sources;

namespace CamSdk.Generators.Tests;

/// <summary>The generated code of representative models, against golden files; each run also proves caching and a clean compile.</summary>
public sealed class GeneratorSnapshotTests
{
    [Fact]
    public void LabelsEnumWithDefaultLayer() => Snapshot.Verify(Harness.Generate(ShapeNet));

    [Fact]
    public void ClassCount() => Snapshot.Verify(Harness.Generate(Usings + """
        namespace Digits;

        [ClassHead(10)]
        public partial class DigitNet : nn.Module<Tensor, Tensor>
        {
            [ExplainLayer] private readonly Conv2d conv = nn.Conv2d(1, 4, 3);
            private readonly Linear fc = nn.Linear(4, 10);

            public DigitNet() : base("digits") => RegisterComponents();

            public override Tensor forward(Tensor x) => fc.call(conv.call(x).mean([2L, 3L]));
        }
        """));

    [Fact]
    public void ScoreMethodHeadOfAMultiOutputModel() => Snapshot.Verify(Harness.Generate(Usings + """
        namespace Heads;

        public enum Species { Cat, Dog }

        public partial class TwoHeadNet : nn.Module<Tensor, Tensor>
        {
            [ExplainLayer] private readonly Conv2d conv = nn.Conv2d(3, 4, 3);
            private readonly Linear fc = nn.Linear(4, 5);

            public TwoHeadNet() : base("two-heads") => RegisterComponents();

            /// <summary>Outputs 0-1 are the species, 2-4 something else.</summary>
            [ClassHead(typeof(Species))]
            public Tensor SpeciesScores(Tensor output) => output.narrow(1, 0, 2);

            public override Tensor forward(Tensor x) => fc.call(conv.call(x).mean([2L, 3L]));
        }
        """));

    [Fact]
    public void SeveralLayersWithoutDefaultRequireALayer() => Snapshot.Verify(Harness.Generate(Usings + """
        namespace Layers;

        [ClassHead(2)]
        public partial class PairNet : nn.Module<Tensor, Tensor>
        {
            [ExplainLayer] private readonly Conv2d _stem = nn.Conv2d(3, 4, 3);
            [ExplainLayer(Name = "Deep")] private readonly Conv2d m_block = nn.Conv2d(4, 4, 3);
            private readonly Linear fc = nn.Linear(4, 2);

            public PairNet() : base("pair") => RegisterComponents();

            public override Tensor forward(Tensor x) => fc.call(m_block.call(_stem.call(x)).mean([2L, 3L]));
        }
        """));

    [Fact]
    public void NestedModel() => Snapshot.Verify(Harness.Generate(Usings + """
        namespace Outer.Space;

        public static partial class Zoo
        {
            internal partial class Inner
            {
                [ClassHead(3)]
                public sealed partial class NestedNet : nn.Module<Tensor, Tensor>
                {
                    [ExplainLayer] private readonly Conv2d conv = nn.Conv2d(3, 4, 3);
                    private readonly Linear fc = nn.Linear(4, 3);

                    public NestedNet() : base("nested") => RegisterComponents();

                    public override Tensor forward(Tensor x) => fc.call(conv.call(x).mean([2L, 3L]));
                }
            }
        }
        """));

    [Fact]
    public void GlobalNamespace() => Snapshot.Verify(Harness.Generate(Usings + """
        [ClassHead(2)]
        public partial class GlobalNet : nn.Module<Tensor, Tensor>
        {
            [ExplainLayer] private readonly Conv2d conv = nn.Conv2d(3, 4, 3);
            private readonly Linear fc = nn.Linear(4, 2);

            public GlobalNet() : base("global") => RegisterComponents();

            public override Tensor forward(Tensor x) => fc.call(conv.call(x).mean([2L, 3L]));
        }
        """));

    [Fact]
    public void GenericModel() => Snapshot.Verify(Harness.Generate(Usings + """
        namespace Generic;

        [ClassHead]
        public partial class BackboneNet<TBackbone> : nn.Module<Tensor, Tensor>
            where TBackbone : nn.Module<Tensor, Tensor>
        {
            [ExplainLayer] private readonly TBackbone backbone;
            private readonly Linear fc = nn.Linear(4, 2);

            public BackboneNet(TBackbone backbone) : base("generic")
            {
                this.backbone = backbone;
                RegisterComponents();
            }

            public override Tensor forward(Tensor x) => fc.call(backbone.call(x).mean([2L, 3L]));
        }
        """));

    [Fact]
    public void PropertyAndNullableLayers() => Snapshot.Verify(Harness.Generate(Usings + """
        namespace Props;

        [ClassHead(2)]
        public partial class PropertyNet : nn.Module<Tensor, Tensor>
        {
            private readonly Sequential blocks = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU());
            private readonly Linear fc = nn.Linear(4, 2);

            public PropertyNet() : base("props") => RegisterComponents();

            [ExplainLayer(IsDefault = true)]
            public nn.Module<Tensor, Tensor> LastBlock => (nn.Module<Tensor, Tensor>)blocks[0];

            [ExplainLayer]
            public Conv2d? Optional { get; set; }

            public override Tensor forward(Tensor x) => fc.call(blocks.call(x).mean([2L, 3L]));
        }
        """));

    [Fact]
    public void TwoModelsInOneFileGetOneFileEach()
    {
        var result = Harness.Generate(ShapeNet + """

            [ClassHead(1)]
            public partial class SecondNet : nn.Module<Tensor, Tensor>
            {
                [ExplainLayer] private readonly Conv2d conv = nn.Conv2d(3, 4, 3);

                public SecondNet() : base("second") => RegisterComponents();

                public override Tensor forward(Tensor x) => conv.call(x).mean([1L, 2L, 3L]).unsqueeze(1);
            }
            """);
        Assert.Equal(["Shapes.SecondNet.Explain.g.cs", "Shapes.ShapeNet.Explain.g.cs"], result.GeneratedTrees.Select(t => Path.GetFileName(t.FilePath)).Order());
    }
}
