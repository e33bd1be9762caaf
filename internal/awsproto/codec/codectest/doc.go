// Package codectest proves Stratus's wire codecs against botocore itself and gives
// codec tests the pinned service models.
//
// Its tests run testdata/botocore_harness.py once per run: botocore serializes a
// sample input for every operation of every service whose protocol has a codec in
// Codecs, the codec must decode it to the same values; the codec writes sample
// outputs and errors, botocore must parse them back to the same values, codes and
// messages. Without python3 and botocore the tests skip, except under CI=true
// where that is a failure.
//
// It is not for end-to-end tests of services (test/e2e) or for the codecs' own
// unit tests, which live beside each codec.
package codectest
