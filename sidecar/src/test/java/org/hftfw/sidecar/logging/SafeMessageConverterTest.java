package org.hftfw.sidecar.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SafeMessageConverterTest {
    @Test
    void plainTextIsUntouched() {
        String m = "committed 3 flows in 2 ms: 3 created, 0 updated — ok";
        assertSame(m, SafeMessageConverter.escape(m));
    }

    @Test
    void controlBytesAreEscapedSoOneEventIsOneLine() {
        assertEquals("unknown command 'x\\nFAKE ERROR line\\x1b[2J\\t\\r'",
                SafeMessageConverter.escape("unknown command 'x\nFAKE ERROR line\u001b[2J\t\r'"));
        assertEquals("a\\x7fb\\x85c", SafeMessageConverter.escape("a\u007fb\u0085c"));
    }

    @Test
    void aHugeMessageIsCut() {
        String huge = "y".repeat(50_000_000);
        String out = SafeMessageConverter.escape(huge);
        assertTrue(out.length() < SafeMessageConverter.MAX_CHARS + 64, "length " + out.length());
        assertTrue(out.endsWith("… (" + (50_000_000 - SafeMessageConverter.MAX_CHARS) + " more characters not logged)"), out.substring(4000));
    }
}
