// The test device's page script: nothing to do, it only has to be served.
document.documentElement.dataset.testDevice = 'ready';
