package distributed

import _ "embed"

// masterPy is dist_master.py, the seeds' BaseManager master, fed tasks
// on stdin and printing results on stdout, after dist_common.py: python3
// gets it as -c text, which cannot import a file of its own.
var masterPy = withCommon(distMaster)

//go:embed dist_master.py
var distMaster []byte

// workerPy is dist_worker.py: the seeds' BaseManager worker.
//
//go:embed dist_worker.py
var workerPy []byte

// localPy is dist_common.py followed by dist_local.py: Manager().Queue()
// or multiprocessing.Queue() between local worker processes, fed and read
// like DistMaster.
var localPy = withCommon(distLocal)

//go:embed dist_local.py
var distLocal []byte

// distCommon is what dist_master.py and dist_local.py share.
//
//go:embed dist_common.py
var distCommon []byte

func withCommon(script []byte) []byte {
	return append(append(append([]byte(nil), distCommon...), '\n'), script...)
}
