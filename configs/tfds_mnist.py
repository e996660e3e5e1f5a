"""Any TFDS image dataset by name (default MNIST, 28 px), DCGAN. The data must already be prepared in
data_dir (nothing is downloaded at run time): `tfds build mnist --data_dir=DIR` where there is network.

    python -m pipeline.run --config=configs/tfds_mnist.py --workdir=runs/mnist \
        --config.data.data_dir=$HOME/tensorflow_datasets [--config.data.tfds_name=fashion_mnist]
"""

from configs.common import base


def get_config():
    c = base()
    c.data.source = "tfds"
    c.data.tfds_name = "mnist"
    c.data.split = "train"
    c.data.image_size = 28
    c.model.arch = "dcgan"
    c.model.latent_dim = 64
    c.model.width = 32
    c.gan.loss = "non_saturating"
    c.train.steps = 10_000
    c.train.batch_size = 64
    c.train.checkpoint_every = 1000
    c.train.sample_every = 1000
    c.eval.num_samples = 5000
    c.eval.thresholds = {}
    return c
