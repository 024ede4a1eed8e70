// Package session is what a GAN Studio window holds apart from its
// widgets: the run it follows (History: steps, grids, phase, sample
// quality, compared runs) and the plots drawn from it; the configuration
// being edited (Setup), its hyperparameters (Params) and the data set
// previewed for it (DataSets); and the grids the window draws itself
// (DrawLab). Nothing here imports Fyne, so all of it is tested without a
// window; the views in package ui show it.
package session
