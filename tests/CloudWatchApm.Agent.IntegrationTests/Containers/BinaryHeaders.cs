// Which machine a binary's code is for, from its headers: PE/COFF for .NET assemblies (IL only or
// ReadyToRun), ELF for busybox.
using System.Reflection.PortableExecutable;

namespace CloudWatchApm.Agent.IntegrationTests.Containers;

internal static class BinaryHeaders
{
    // ReadyToRun images store Machine XOR an OS value (Linux 0x7B79), so a Windows loader refuses them.
    private const ushort LinuxReadyToRunXor = 0x7B79;
    private const ushort Amd64 = 0x8664;
    private const ushort Arm64 = 0xAA64;
    private const ushort I386 = 0x014C;

    /// <summary>
    /// "il" (architecture-neutral IL), "il-amd64" / "il-arm64" (IL marked for one architecture),
    /// "r2r-linux-amd64" / "r2r-linux-arm64" (native code), "r2r-other-0x...." or "not-managed".
    /// </summary>
    internal static string ManagedCode(byte[] image)
    {
        using var pe = new PEReader(new MemoryStream(image));
        var headers = pe.PEHeaders;
        if (headers.CorHeader is null)
        {
            return "not-managed";
        }

        var machine = (ushort)headers.CoffHeader.Machine;
        if (headers.CorHeader.ManagedNativeHeaderDirectory.Size > 0)
        {
            return (ushort)(machine ^ LinuxReadyToRunXor) switch
            {
                Amd64 => "r2r-linux-amd64",
                Arm64 => "r2r-linux-arm64",
                _ => $"r2r-other-0x{machine:x4}",
            };
        }

        return machine switch
        {
            I386 => "il",
            Amd64 => "il-amd64",
            Arm64 => "il-arm64",
            _ => $"il-other-0x{machine:x4}",
        };
    }

    /// <summary>"amd64", "arm64" or the ELF e_machine value of a 64-bit little-endian ELF file.</summary>
    internal static string ElfMachine(byte[] elf)
    {
        if (elf.Length < 20 || elf[0] != 0x7F || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
        {
            return "not-elf";
        }

        var machine = BitConverter.ToUInt16(elf, 18);
        return machine switch
        {
            0x3E => "amd64",
            0xB7 => "arm64",
            _ => $"elf-0x{machine:x}",
        };
    }
}
