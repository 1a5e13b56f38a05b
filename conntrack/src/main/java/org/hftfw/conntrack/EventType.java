package org.hftfw.conntrack;

/** Conntrack event kinds (IPCTNL_MSG_CT_NEW with/without NLM_F_CREATE, IPCTNL_MSG_CT_DELETE). */
public enum EventType {
    NEW, UPDATE, DESTROY;

    /** The tag {@code conntrack -E} prints: "[NEW]", "[UPDATE]", "[DESTROY]". */
    public String tag() {
        return "[" + name() + "]";
    }
}
