// Decides, without any network call, whether this machine can be an EC2 instance. Off AWS the
// IMDS address usually black-holes packets, so asking it would cost the whole time box at
// every start; the firmware tables (DMI/SMBIOS) answer the question for free.
// Nitro instances: sys_vendor "Amazon EC2" and board_asset_tag "i-...". Older Xen instances:
// bios_version like "4.11.amazon".
using Microsoft.Win32;

namespace CloudWatchApm.Agent.Aws.Resources;

internal sealed class Ec2Dmi
{
    internal const string DefaultSysRoot = "/sys";

    private const string DmiDirectory = "devices/virtual/dmi/id";

    private readonly string _sysRoot;

    internal Ec2Dmi()
        : this(DefaultSysRoot)
    {
    }

    /// <summary>For tests: a directory standing in for /sys.</summary>
    internal Ec2Dmi(string sysRoot)
    {
        _sysRoot = sysRoot;
    }

    /// <summary>True when the firmware says Amazon; <paramref name="reason"/> says what was seen.</summary>
    internal bool LooksLikeEc2(out string reason)
    {
        try
        {
            if (OperatingSystem.IsWindows() && _sysRoot == DefaultSysRoot)
            {
                return WindowsLooksLikeEc2(out reason);
            }

            return SysfsLooksLikeEc2(out reason);
        }
        catch (Exception ex)
        {
            reason = "could not read DMI: " + ex.Message;
            return false;
        }
    }

    private bool SysfsLooksLikeEc2(out string reason)
    {
        var directory = Path.Combine(_sysRoot, DmiDirectory);
        if (!Directory.Exists(directory))
        {
            // No DMI (macOS, some containers with /sys hidden, Fargate micro-VMs): not provably EC2.
            reason = "no DMI data at " + directory;
            return false;
        }

        var assetTag = ReadDmi(directory, "board_asset_tag");
        if (assetTag is not null && assetTag.StartsWith("i-", StringComparison.Ordinal))
        {
            reason = "board_asset_tag is an instance id";
            return true;
        }

        foreach (var name in new[] { "sys_vendor", "product_name", "bios_vendor" })
        {
            var value = ReadDmi(directory, name);
            if (value is not null && value.Contains("Amazon", StringComparison.Ordinal))
            {
                reason = name + " is '" + value + "'";
                return true;
            }
        }

        var biosVersion = ReadDmi(directory, "bios_version");
        if (biosVersion is not null && biosVersion.Contains("amazon", StringComparison.Ordinal))
        {
            reason = "bios_version is '" + biosVersion + "'";
            return true;
        }

        reason = "DMI vendor '" + (ReadDmi(directory, "sys_vendor") ?? "unknown") + "' is not Amazon";
        return false;
    }

    private static string? ReadDmi(string directory, string name)
    {
        try
        {
            // Some DMI files (serials) are root-only; an unreadable file just proves nothing.
            return File.ReadAllText(Path.Combine(directory, name)).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool WindowsLooksLikeEc2(out string reason)
    {
        if (!OperatingSystem.IsWindows())
        {
            reason = "not Windows";
            return false;
        }

        // Windows exposes the same SMBIOS strings in the registry.
        using var bios = Registry.LocalMachine.OpenSubKey(@"HARDWARE\DESCRIPTION\System\BIOS");
        if (bios is null)
        {
            reason = "no SMBIOS data in the registry";
            return false;
        }

        foreach (var name in new[] { "SystemManufacturer", "SystemProductName", "BIOSVendor", "BaseBoardManufacturer" })
        {
            if (bios.GetValue(name) is string value && value.Contains("Amazon", StringComparison.Ordinal))
            {
                reason = name + " is '" + value + "'";
                return true;
            }
        }

        if (bios.GetValue("BIOSVersion") is string version && version.Contains("amazon", StringComparison.Ordinal))
        {
            reason = "BIOSVersion is '" + version + "'";
            return true;
        }

        reason = "SMBIOS manufacturer is not Amazon";
        return false;
    }
}
