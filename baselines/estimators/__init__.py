"""Generic estimators, independent of any system (the system packages beside this one adapt them):

* ``mdn_propagator`` — mixture-density-network propagator, the LSS's stochastic time stepper.
* ``msm_propagator`` — Markov state model propagator (k-means → reversible MSM → replayed frames).
* ``srv`` — state-free reversible VAMPnet, the LSS's encoder.
* ``cwgan`` — conditional Wasserstein GAN with gradient penalty, the LSS's decoder.
* ``lss`` — the latent space simulator: SRV encoder → MDN propagator → cWGAN decoder.
* ``ednn`` — extensive deep neural network (tiling, sum over tiles) and its training loop.
* ``mlp_regressor`` — small MLP regressor trained in torch, evaluated in numpy.
* ``forecasters`` — FFNN / LSTM / GRU forecasters of coordinates, whole or per atom.
* ``training`` — early stopping, which also counts a network's epochs for its training report.
* ``hyper`` — :class:`~baselines.estimators.hyper.ByConfig`, hyper-parameters declared per dataset config.
"""
