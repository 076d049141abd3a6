using System.Security.Cryptography;
using CamSdk.Shapes;

namespace CamSdk.Tests;

public sealed class SyntheticShapesTests
{
    [Fact]
    public void TheSameSeedGivesTheSamePixelsOnEveryMachine()
    {
        // The SHA-256 of the first 40 images of each split for seed 2017 at 96 px, as this dataset version draws them.
        var shapes = new SyntheticShapes(seed: 2017, size: 96);
        using var sha = SHA256.Create();
        foreach (var i in Enumerable.Range(0, 40))
        {
            foreach (var image in new[] { shapes.SingleObject(i), shapes.TwoObjects(i) })
            {
                sha.TransformBlock(image.Image.Pixels, 0, image.Image.Pixels.Length, null, 0);
                foreach (var o in image.Objects)
                {
                    var record = BitConverter.GetBytes((int)o.Kind).Concat(BitConverter.GetBytes(o.Box.Left)).Concat(BitConverter.GetBytes(o.Box.Top))
                        .Concat(BitConverter.GetBytes(o.Box.Right)).Concat(BitConverter.GetBytes(o.Box.Bottom)).ToArray();
                    sha.TransformBlock(record, 0, record.Length, null, 0);
                }
            }
        }

        sha.TransformFinalBlock([], 0, 0);
        Assert.Equal(Expected, Convert.ToHexString(sha.Hash!));
        Assert.Equal(1, SyntheticShapes.Version);
    }

    [Fact]
    public void ImagesDependOnlyOnSeedSplitAndIndex()
    {
        var shapes = new SyntheticShapes(seed: 5, size: 64);
        var late = shapes.SingleObject(7);
        var early = new SyntheticShapes(seed: 5, size: 64).SingleObject(7);
        Assert.Equal(early.Image.Pixels, late.Image.Pixels);
        Assert.NotEqual(shapes.SingleObject(8).Image.Pixels, late.Image.Pixels);
        Assert.NotEqual(new SyntheticShapes(seed: 6, size: 64).SingleObject(7).Image.Pixels, late.Image.Pixels);
    }

    [Fact]
    public void EveryClassAppearsAndEveryBoxLiesInsideTheImage()
    {
        var shapes = new SyntheticShapes(seed: 11, size: 80);
        var singles = Enumerable.Range(0, 600).Select(shapes.SingleObject).ToList();
        var counts = singles.GroupBy(s => s.Label).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(6, counts.Count);
        Assert.All(counts.Values, c => Assert.InRange(c, 70, 130));
        Assert.All(singles, s =>
        {
            var box = Assert.Single(s.Objects).Box;
            Assert.InRange(box.Left, 0, box.Right);
            Assert.InRange(box.Top, 0, box.Bottom);
            Assert.InRange(box.Right, box.Left, 79);
            Assert.InRange(box.Bottom, box.Top, 79);
            Assert.InRange(box.Width, 8, 60);
        });
    }

    [Fact]
    public void TwoObjectImagesHoldTwoClassesInBoxesThatDoNotOverlap()
    {
        var shapes = new SyntheticShapes(seed: 13, size: 96);
        foreach (var image in Enumerable.Range(0, 100).Select(shapes.TwoObjects))
        {
            Assert.Equal(2, image.Objects.Count);
            Assert.NotEqual(image.Objects[0].Kind, image.Objects[1].Kind);
            Assert.Equal(0, image.Objects[0].Box.IntersectionOverUnion(image.Objects[1].Box));
        }
    }

    [Theory]
    [InlineData(63)]
    [InlineData(129)]
    public void SizesOutsideTheRangeAreRefused(int size) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new SyntheticShapes(size: size));

    private const string Expected = "8331CFE518F1FFDDE8F99559E8268098E387865DB1F86CBC63A5C9E0F15FFE2B";
}
