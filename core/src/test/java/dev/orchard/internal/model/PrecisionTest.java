package dev.orchard.internal.model;

import dev.orchard.Precision;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrecisionTest {

    @TempDir
    Path tmp;

    @Test
    void parsesTheTwoNamesAndRefusesOthersNamingTheAllowedOnes() {
        assertEquals(Precision.FP32, Precision.parse("fp32"));
        assertEquals(Precision.BF16, Precision.parse("BF16"));
        assertEquals("fp32, bf16", Precision.allowed());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Precision.parse("fp16"));
        assertTrue(e.getMessage().contains("fp32, bf16") && e.getMessage().contains("'fp16'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Precision.parse(null));
    }

    @Test
    void cpuSupportFromCpuinfoFlags() throws IOException {
        // Abridged from a Zen 3 guest (this machine) and a Sapphire Rapids host.
        Path zen3 = write("zen3", "processor\t: 0\nvendor_id\t: AuthenticAMD\n"
                + "flags\t\t: fpu vme sse sse2 avx avx2 fma bmi2 sha_ni\n\nprocessor\t: 1\n"
                + "flags\t\t: fpu vme sse sse2 avx avx2 fma bmi2 sha_ni\n");
        Path spr = write("spr", "processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512_bf16 avx512_fp16 amx_bf16 amx_tile\n");
        Path amxOnly = write("amx", "flags\t\t: fpu avx2 amx_bf16 amx_int8\n");
        Path bf16Prefix = write("prefix", "flags\t\t: fpu avx512_bf16x avx512_vnni\n");
        Path noFlags = write("arm", "processor\t: 0\nFeatures\t: fp asimd bf16\n");
        assertEquals(Precision.CpuSupport.NO, Precision.cpuBf16(zen3));
        assertEquals(Precision.CpuSupport.YES, Precision.cpuBf16(spr));
        assertEquals(Precision.CpuSupport.YES, Precision.cpuBf16(amxOnly));
        assertEquals(Precision.CpuSupport.NO, Precision.cpuBf16(bf16Prefix), "whole flags only");
        assertEquals(Precision.CpuSupport.UNKNOWN, Precision.cpuBf16(noFlags), "no x86 flags line");
        assertEquals(Precision.CpuSupport.UNKNOWN, Precision.cpuBf16(tmp.resolve("missing")));
        assertEquals(Boolean.FALSE, Precision.CpuSupport.NO.asBoolean());
        assertEquals(Boolean.TRUE, Precision.CpuSupport.YES.asBoolean());
        assertNull(Precision.CpuSupport.UNKNOWN.asBoolean());
    }

    @Test
    void bf16RunsAsFp32OnlyOnCpusKnownToLackIt() {
        assertEquals(Precision.FP32, Precision.BF16.onCpu(Precision.CpuSupport.NO));
        assertEquals(Precision.BF16, Precision.BF16.onCpu(Precision.CpuSupport.YES));
        assertEquals(Precision.BF16, Precision.BF16.onCpu(Precision.CpuSupport.UNKNOWN));
        for (Precision.CpuSupport c : Precision.CpuSupport.values()) {
            assertEquals(Precision.FP32, Precision.FP32.onCpu(c));
        }
        assertEquals(Precision.BF16.onCpu(Precision.cpuBf16()), Precision.BF16.onThisCpu());
    }

    @Test
    void thisMachineAnswersConsistentlyWithItsCpuinfo() throws IOException {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        Precision.CpuSupport here = Precision.cpuBf16();
        if (!Files.isReadable(cpuinfo)) {
            assertEquals(Precision.CpuSupport.UNKNOWN, here);
            return;
        }
        String text = Files.readString(cpuinfo);
        boolean listed = text.matches("(?s).*\\b(avx512_bf16|amx_bf16)\\b.*");
        if (listed) {
            assertEquals(Precision.CpuSupport.YES, here);
        } else {
            assertTrue(here != Precision.CpuSupport.YES, here.toString());
        }
    }

    private Path write(String name, String text) throws IOException {
        Path p = tmp.resolve(name);
        Files.writeString(p, text);
        return p;
    }
}
