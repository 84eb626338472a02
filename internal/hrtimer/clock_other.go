//go:build !linux

package hrtimer

func newClock() clock { return newFallbackClock() }

func lockThread()   {}
func unlockThread() {}
