//go:build !linux

package main

import "errors"

func pinSelf(int) error { return errors.New("-pin needs Linux") }

func startPinned(func() error, int) error { return errors.New("-pin needs Linux") }
