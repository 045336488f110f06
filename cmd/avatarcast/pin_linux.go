package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"
)

// pinSelf pins every thread of this process to cpu (threads created later
// inherit it from their creator) and sets GOMAXPROCS to 1, as if the
// process had been started under 'taskset -c cpu'.
func pinSelf(cpu int) error {
	var set unix.CPUSet
	set.Set(cpu)
	done := map[int]bool{}
	for range 3 { // again, for threads started meanwhile
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return err
		}
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil || done[tid] {
				continue
			}
			if err := unix.SchedSetaffinity(tid, &set); err != nil {
				return fmt.Errorf("pin thread %d to CPU %d: %w", tid, cpu, err)
			}
			done[tid] = true
		}
	}
	runtime.GOMAXPROCS(1)
	return nil
}

// startPinned starts cmd with its affinity set to cpu from its first
// instruction, so that its runtime sees one CPU (GOMAXPROCS 1) as under
// 'taskset -c cpu'. The child inherits the affinity of the thread that
// forks it: that is a locked thread, pinned, and discarded afterwards.
func startPinned(start func() error, cpu int) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread exits with the goroutine
		var set unix.CPUSet
		set.Set(cpu)
		if err := unix.SchedSetaffinity(0, &set); err != nil {
			errc <- fmt.Errorf("pin to CPU %d: %w", cpu, err)
			return
		}
		errc <- start()
	}()
	return <-errc
}
