"""The keywords IOS offers at each point (what `?` lists on a Catalyst), implemented or not.

They decide ambiguity only: `co` is ambiguous at the exec prompt because IOS has `configure`,
`connect` and `copy`, though the simulator implements no `connect`. The lists follow the command
references of IOS-XE 17.9 (Catalyst 9200/9300) and IOS 15.2 (2960-X); they are not complete, so
an abbreviation a real switch finds ambiguous may still pass here. The few words one release
has and the other lacks change no abbreviation the console or NAPALM types.
"""

from __future__ import annotations

from functools import cache

from .grammar import Vocabulary


def _words(text: str, **follows: Vocabulary | None) -> dict[str, Vocabulary | None]:
    """`text`'s keywords; `follows` gives some the words after them (`-` spelt `_`)."""
    level: dict[str, Vocabulary | None] = {word: None for word in text.split()}
    for word, after in follows.items():
        level[word.replace("_", "-")] = after
    return level


def _with_no(level: dict[str, Vocabulary | None]) -> dict[str, Vocabulary | None]:
    """`no` takes the same words as the mode itself."""
    level["no"] = level
    return level


_SHOW_IP = _words(
    "access-lists arp bgp cef dhcp eigrp http igmp interface mroute nat ospf pim route sla "
    "ssh verify vrf"
)
_SHOW = _words(
    "aaa access-lists archive arp authentication boot bootvar buffers cdp class-map clock "
    "configuration controllers crypto debugging diagnostic dot1x environment errdisable "
    "etherchannel event file flash: history hosts interfaces inventory ip ipv6 license lldp "
    "logging mac memory module monitor ntp platform policy-map power privilege processes "
    "redundancy running-config sessions snmp spanning-tree ssh stack-power startup-config "
    "storm-control switch tech-support terminal udld users version vlan vtp",
    ip=_SHOW_IP,
    archive=_words("config log"),
    lldp=_words("entry errors interface neighbors traffic"),
    mac=_words("address-table"),
    power=_words("inline"),
    vlan=_words("brief id internal name private-vlan remote-span summary"),
)
_CONFIGURE = _words("confirm memory network overwrite-network replace revert terminal")
_WRITE = _words("erase memory network terminal")

EXEC: Vocabulary = _words(
    "access-enable access-profile access-template archive cd clear clock configure connect "
    "copy debug delete diagnostic dir disable disconnect dot1x enable eou erase event exit "
    "format fsck help hw-module install ip l2traceroute lock login logout mkdir monitor more "
    "name-connection no ping pwd quit release reload rename renew request resume rmdir send "
    "set setup show ssh systat telnet terminal test traceroute undebug verify where write",
    show=_SHOW,
    configure=_CONFIGURE,
    write=_WRITE,
)
# User EXEC (privilege 1): far fewer commands, and `show` offers fewer words.
USER_EXEC: Vocabulary = _words(
    "access-enable access-profile clear connect disable disconnect enable exit help lock login "
    "logout name-connection ping quit release renew resume send set show ssh systat telnet "
    "terminal traceroute where",
    show=_words(
        "clock history hosts interfaces ip privilege sessions ssh terminal users version",
        ip=_SHOW_IP,
    ),
)

CONFIG: Vocabulary = _with_no(
    _words(
        "aaa access-list alias archive arp banner boot boot-end-marker boot-start-marker cdp "
        "class-map clock crypto default device-tracking do dot1x enable end errdisable exit "
        "file hostname interface ip ipv6 line lldp logging mac monitor no ntp policy-map "
        "port-channel power privilege router service snmp-server spanning-tree switch system "
        "udld username version vlan vtp",
        default=_words("interface"),
        interface=_words("range"),
        lldp=_words("holdtime reinit run timer tlv-select"),
        aaa=_words("accounting authentication authorization new-model session-id"),
        vtp=_words("domain file interface mode password pruning version"),
    )
)


@cache
def interface_mode(isl: bool) -> Vocabulary:
    """Interface (and interface range) mode; `switchport trunk encapsulation` exists only on
    ISL-capable hardware."""
    trunk = "allowed native pruning" + (" encapsulation" if isl else "")
    switchport = _words(
        "access backup block host mode nonegotiate port-security priority private-vlan "
        "protected trunk voice",
        trunk=_words(trunk),
        mode=_words("access dot1q-tunnel dynamic private-vlan trunk"),
    )
    return _with_no(
        _words(
            "arp auto bandwidth carrier-delay cdp channel-group default delay description "
            "dot1x duplex exit flowcontrol help ip ipv6 keepalive lldp load-interval logging "
            "mac mtu no power service-policy shutdown snmp spanning-tree speed storm-control "
            "switchport udld",
            switchport=switchport,
            spanning_tree=_words(
                "bpdufilter bpduguard cost guard link-type portfast port-priority vlan"
            ),
            power=_words("efficient-ethernet inline"),
        )
    )


VLAN_MODE: Vocabulary = _with_no(_words("exit media mtu name no remote-span shutdown state"))
