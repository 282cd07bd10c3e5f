package netns

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// sock_diag(7) for TCP over IPv4, from linux/inet_diag.h.
const (
	inetDiagInfo   = 2  // INET_DIAG_INFO: the attribute that holds struct tcp_info
	inetDiagReqLen = 56 // struct inet_diag_req_v2
	inetDiagMsgLen = 72 // struct inet_diag_msg
	tcpEstablished = 1  // TCP_ESTABLISHED, a state bit in the request
)

// LinkRTT is the round trip that TCP itself measured on the master's
// connections to the first n hosts: the median, over the established
// connections from the master's address to theirs, of the kernel's
// tcpi_min_rtt (its estimate of the path's round trip without queueing,
// the minimum over the connection's recent samples). It is read with
// sock_diag(7) in this namespace, so it sees every process's sockets: the
// Go master's, nats-server's, Python's manager's. It fails when there is
// no such connection.
func (h *Hosts) LinkRTT(n int) (time.Duration, error) {
	peers := map[netip.Addr]bool{}
	for _, host := range h.Hosts[:n] {
		peers[netip.MustParseAddr(host.Addr)] = true
	}
	rtts, err := tcpRTTs(netip.MustParseAddr(h.Master), peers)
	if err != nil {
		return 0, err
	}
	if len(rtts) == 0 {
		return 0, fmt.Errorf("netns: link rtt: no connection from %s to the first %d hosts", h.Master, n)
	}
	slices.Sort(rtts)
	return rtts[len(rtts)/2], nil
}

// tcpRTTs dumps the established IPv4 TCP sockets and returns the min_rtt of
// those from local to one of peers.
func tcpRTTs(local netip.Addr, peers map[netip.Addr]bool) ([]time.Duration, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return nil, fmt.Errorf("netns: sock_diag: %w", err)
	}
	defer unix.Close(fd)
	req := make([]byte, unix.NLMSG_HDRLEN+inetDiagReqLen)
	ne := binary.NativeEndian
	ne.PutUint32(req[0:], uint32(len(req)))
	ne.PutUint16(req[4:], unix.SOCK_DIAG_BY_FAMILY)
	ne.PutUint16(req[6:], unix.NLM_F_REQUEST|unix.NLM_F_DUMP)
	r := req[unix.NLMSG_HDRLEN:]
	r[0], r[1], r[2] = unix.AF_INET, unix.IPPROTO_TCP, 1<<(inetDiagInfo-1)
	ne.PutUint32(r[4:], 1<<tcpEstablished)
	if err := unix.Sendto(fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return nil, fmt.Errorf("netns: sock_diag: %w", err)
	}
	var out []time.Duration
	buf := make([]byte, 1<<16)
	for {
		k, _, err := unix.Recvfrom(fd, buf, 0)
		if err != nil {
			return nil, fmt.Errorf("netns: sock_diag: %w", err)
		}
		msgs, err := syscall.ParseNetlinkMessage(buf[:k])
		if err != nil {
			return nil, fmt.Errorf("netns: sock_diag: %w", err)
		}
		for _, m := range msgs {
			switch m.Header.Type {
			case unix.NLMSG_DONE:
				return out, nil
			case unix.NLMSG_ERROR:
				return nil, fmt.Errorf("netns: sock_diag: error %d", int32(ne.Uint32(m.Data)))
			}
			if rtt, ok := minRTT(m.Data, local, peers); ok {
				out = append(out, rtt)
			}
		}
	}
}

// minRTT reads one inet_diag_msg: its tcp_info's min_rtt, if its source is
// local and its destination one of peers.
func minRTT(d []byte, local netip.Addr, peers map[netip.Addr]bool) (time.Duration, bool) {
	if len(d) < inetDiagMsgLen {
		return 0, false
	}
	// id: sport, dport (2 bytes each), src, dst (16 bytes each, IPv4 in the first 4)
	src := netip.AddrFrom4([4]byte(d[8:12]))
	dst := netip.AddrFrom4([4]byte(d[24:28]))
	if src != local || !peers[dst] {
		return 0, false
	}
	off := unsafe.Offsetof(unix.TCPInfo{}.Min_rtt)
	for a := d[inetDiagMsgLen:]; len(a) >= 4; {
		l, typ := int(binary.NativeEndian.Uint16(a)), binary.NativeEndian.Uint16(a[2:])
		if l < 4 || l > len(a) {
			return 0, false
		}
		if typ == inetDiagInfo && l >= 4+int(off)+4 {
			us := binary.NativeEndian.Uint32(a[4+off:])
			return time.Duration(us) * time.Microsecond, true
		}
		a = a[min((l+3)&^3, len(a)):]
	}
	return 0, false
}
