package main

import (
	"context"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// debugServer serves Go's profiler (net/http/pprof) on addr, apart from
// the product's listener, when SETTLE_DEBUG_ADDR is set: for an operator
// who needs to see where a busy instance spends its time. It has no
// authentication, so addr should be a loopback address.
func (m *Main) debugServer(ctx context.Context, addr string) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		m.Log.Error("debug listener: not started", "addr", addr, "err", err)
		return
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() {
		m.Log.Warn("debug listener: the profiler is reachable from other machines; bind SETTLE_DEBUG_ADDR to 127.0.0.1", "addr", ln.Addr().String())
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	m.Log.Info("debug listener: profiler at /debug/pprof/", "addr", ln.Addr().String())
	_ = srv.Serve(ln)
}
