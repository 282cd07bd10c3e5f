package python

import _ "embed"

// DistMaster is dist_master.py: the seeds' BaseManager master, fed tasks
// on stdin and printing results on stdout.
//
//go:embed dist_master.py
var DistMaster []byte

// DistWorker is dist_worker.py: the seeds' BaseManager worker.
//
//go:embed dist_worker.py
var DistWorker []byte

// DistLocal is dist_local.py: Manager().Queue() or multiprocessing.Queue()
// between local worker processes, fed and read like DistMaster.
//
//go:embed dist_local.py
var DistLocal []byte
