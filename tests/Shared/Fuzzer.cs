using CamSdk.Tests.Support;
using Xunit.Abstractions;

namespace CamSdk.Tests.Support;

/// <summary>
/// A standing, seeded fuzz of a loader: valid files mutated (bytes flipped, set to extremes, cut, inserted, deleted,
/// a header field overwritten) a few hundred times each. Every outcome must be a success or a CamSdk exception; any
/// other exception fails the test with the seed file and mutation that caused it, so that it can be replayed.
/// </summary>
/// <remarks>
/// <c>CAMSDK_FUZZ_MUTATIONS</c> (default 300 per loader) and <c>CAMSDK_FUZZ_SEED</c> (default 0, added to each test's
/// seed) run a longer or another fuzz by hand.
/// </remarks>
public sealed class Fuzzer(ITestOutputHelper output)
{
    public static readonly int Mutations = int.TryParse(Environment.GetEnvironmentVariable("CAMSDK_FUZZ_MUTATIONS"), out var n) && n > 0 ? n : 300;
    private static readonly int SeedOffset = int.TryParse(Environment.GetEnvironmentVariable("CAMSDK_FUZZ_SEED"), out var s) ? s : 0;

    /// <summary>One mutation of a file, chosen and applied from the random source.</summary>
    private static (byte[] Bytes, string Description) Mutate(byte[] original, Random random)
    {
        var bytes = (byte[])original.Clone();
        var at = random.Next(bytes.Length);
        switch (random.Next(7))
        {
            case 0:
                var flips = 1 + random.Next(8);
                for (var i = 0; i < flips; i++)
                {
                    bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                }

                return (bytes, $"{flips} bit flip(s)");
            case 1:
                var extreme = random.Next(2) == 0 ? (byte)0xFF : (byte)0x00;
                var run = Math.Min(1 + random.Next(8), bytes.Length - at);
                Array.Fill(bytes, extreme, at, run);
                return (bytes, $"{run} byte(s) set to {extreme:X2} at {at}");
            case 2:
                return (bytes[..at], $"cut at {at}");
            case 3:
                var inserted = new byte[1 + random.Next(16)];
                random.NextBytes(inserted);
                return ([.. bytes[..at], .. inserted, .. bytes[at..]], $"{inserted.Length} byte(s) inserted at {at}");
            case 4:
                var removed = Math.Min(1 + random.Next(16), bytes.Length - at);
                return ([.. bytes[..at], .. bytes[(at + removed)..]], $"{removed} byte(s) removed at {at}");
            case 5:
                // A length or size field: four bytes in the first 64 set to a large or small value.
                var field = random.Next(Math.Max(1, Math.Min(60, bytes.Length - 4)));
                var value = random.Next(4) switch { 0 => uint.MaxValue, 1 => 0x7FFFFFFFu, 2 => 0u, _ => (uint)random.Next() };
                BitConverter.GetBytes(value).CopyTo(bytes, field);
                return (bytes, $"uint {value:X8} written at {field}");
            default:
                var block = random.Next(1, Math.Min(64, bytes.Length));
                var from = random.Next(bytes.Length - block);
                Array.Copy(original, from, bytes, Math.Min(at, bytes.Length - block), block);
                return (bytes, $"{block} byte(s) copied from {from} to {Math.Min(at, bytes.Length - block)}");
        }
    }

    /// <summary>Runs the loader on every mutation of every seed; returns how many loaded and how many were refused.</summary>
    public (int Loaded, int Refused) Fuzz(IReadOnlyList<(string Name, byte[] Bytes)> seeds, int seed, Action<byte[], string> load)
    {
        var random = new Random(seed + SeedOffset);
        var (loaded, refused) = (0, 0);
        foreach (var (index, (name, bytes)) in seeds.Index())
        {
            load(bytes, name); // the seed itself is valid
            for (var m = 0; m < (Mutations / seeds.Count) + (index < Mutations % seeds.Count ? 1 : 0); m++)
            {
                var (mutated, description) = Mutate(bytes, random);
                try
                {
                    load(mutated, name);
                    loaded++;
                }
                catch (CamException)
                {
                    refused++;
                }
                catch (Exception e)
                {
                    Assert.Fail($"{name}, mutation {m} ({description}): {e.GetType().Name} escaped: {e.Message}");
                }
            }
        }

        output.WriteLine($"{string.Join(", ", seeds.Select(s => s.Name))}: {loaded} loaded, {refused} refused (CamException), none other.");
        return (loaded, refused);
    }
}
